'use strict';
// n8n-core pulls isolated-vm through n8n-workflow; in-process tests use the legacy expression engine,
// so this stub replaces a native addon that cannot build against this machine's Node 20 headers.
throw new Error('isolated-vm stub: the vm expression engine is not available in tests');
