import nock from 'nock';

// UniPile and OpenAI are mocked at the HTTP layer; anything but loopback is refused.
nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/);

afterEach(() => {
  nock.cleanAll();
});
