import type { z } from 'zod/v4';
import { UnipileError } from './errors';
import {
  accountSchema,
  acknowledgedSchema,
  chatSchema,
  chatStartedSchema,
  emailSentSchema,
  invitationSentSchema,
  listOf,
  messageSchema,
  messageSentSchema,
  sentInvitationSchema,
  userProfileSchema,
  userRelationSchema,
  webhookCreatedSchema,
  webhookSchema,
  type Page,
} from './schemas';
import { UnipileTransport, type QueryValue, type UnipileClientOptions } from './transport';

/**
 * The UniPile v1 API as the runtime and the nodes use it (reference unipile-api-v1.md §3). Method
 * names follow the official SDK. Wire format: query strings for reads, multipart for
 * `POST /chats`, `/chats/{id}/messages` and `/emails`, JSON for invitations and webhooks.
 */
export type { UnipileClientOptions } from './transport';

/** LinkedIn caps invitation notes at 300 characters (200 on free accounts). */
export const INVITATION_NOTE_MAX = 300;

export interface Attachment {
  name: string;
  data: Uint8Array;
  mimeType?: string;
}

export interface PageRequest {
  limit?: number;
  cursor?: string | null;
}

/** Dates are sent as UTC ISO with milliseconds, the only form UniPile accepts. */
export type DateInput = Date | string;

export interface ChatListRequest extends PageRequest {
  accountId?: string | string[];
  accountType?: string;
  unread?: boolean;
  before?: DateInput;
  after?: DateInput;
}

export interface MessageListRequest extends PageRequest {
  accountId?: string;
  senderId?: string;
  before?: DateInput;
  after?: DateInput;
}

export interface StartChatRequest {
  accountId: string;
  attendeeIds: string[];
  text?: string;
  subject?: string;
  attachments?: Attachment[];
  linkedin?: { api?: 'classic' | 'sales_navigator' | 'recruiter'; inmail?: boolean };
}

export interface SendMessageRequest {
  text: string;
  threadId?: string;
  attachments?: Attachment[];
}

export interface InvitationRequest {
  accountId: string;
  providerId: string;
  message?: string;
  userEmail?: string;
}

export interface ProfileRequest {
  accountId: string;
  linkedinApi?: 'recruiter' | 'sales_navigator';
  linkedinSections?: string;
  notify?: boolean;
}

export interface EmailAddress {
  identifier: string;
  displayName?: string;
}

export interface SendEmailRequest {
  accountId: string;
  /** HTML. */
  body: string;
  to: EmailAddress[];
  subject?: string;
  cc?: EmailAddress[];
  bcc?: EmailAddress[];
  from?: EmailAddress;
  /** UniPile id of the email this one answers: keeps the thread. */
  replyTo?: string;
  customHeaders?: { name: string; value: string }[];
  trackingOptions?: { opens?: boolean; links?: boolean; label?: string };
  attachments?: Attachment[];
}

export interface CreateWebhookRequest {
  requestUrl: string;
  source: 'messaging' | 'users' | 'email' | 'email_tracking' | 'account_status';
  name?: string;
  events?: string[];
  accountIds?: string[];
  enabled?: boolean;
  headers?: { key: string; value: string }[];
  format?: 'json' | 'form';
}

/** Methods that check their input are async so that bad input rejects like any other failure. */
export class UnipileClient {
  private readonly transport: UnipileTransport;

  constructor(options: UnipileClientOptions) {
    this.transport = new UnipileTransport(options);
  }

  get baseUrl(): string {
    return this.transport.baseUrl.href;
  }

  // accounts
  listAccounts(page: PageRequest = {}) {
    return this.get('accounts.list', '/accounts', listOf(accountSchema), pageQuery(page));
  }

  getAccount(accountId: string) {
    return this.get('accounts.get', `/accounts/${seg(accountId)}`, accountSchema);
  }

  // chats and messages
  async listChats(request: ChatListRequest = {}) {
    return this.get('chats.list', '/chats', listOf(chatSchema), {
      account_id: Array.isArray(request.accountId) ? request.accountId.join(',') : request.accountId,
      account_type: request.accountType,
      unread: request.unread,
      before: isoDate(request.before, 'before'),
      after: isoDate(request.after, 'after'),
      ...pageQuery(request),
    });
  }

  getChat(chatId: string) {
    return this.get('chats.get', `/chats/${seg(chatId)}`, chatSchema);
  }

  async listChatMessages(chatId: string, request: Omit<MessageListRequest, 'accountId'> = {}) {
    return this.get('chats.messages', `/chats/${seg(chatId)}/messages`, listOf(messageSchema), messageQuery(request));
  }

  async listMessages(request: MessageListRequest = {}) {
    return this.get('messages.list', '/messages', listOf(messageSchema), { account_id: request.accountId, ...messageQuery(request) });
  }

  async startChat(request: StartChatRequest) {
    if (request.attendeeIds.length === 0) throw inputError('chats.start', 'attendeeIds: at least one recipient provider id is required');
    const form = new FormData();
    form.append('account_id', request.accountId);
    if (request.text !== undefined) form.append('text', request.text);
    if (request.subject) form.append('subject', request.subject);
    for (const id of request.attendeeIds) form.append('attendees_ids', id);
    if (request.linkedin?.api) form.append('linkedin[api]', request.linkedin.api);
    if (request.linkedin?.inmail) form.append('linkedin[inmail]', 'true');
    appendAttachments(form, request.attachments);
    return this.send('chats.start', '/chats', chatStartedSchema, { form });
  }

  sendMessage(chatId: string, request: SendMessageRequest) {
    const form = new FormData();
    form.append('text', request.text);
    if (request.threadId) form.append('thread_id', request.threadId);
    appendAttachments(form, request.attachments);
    return this.send('chats.send', `/chats/${seg(chatId)}/messages`, messageSentSchema, { form });
  }

  // users
  async sendInvitation(request: InvitationRequest) {
    checkInvitationNote(request.message);
    const json = {
      provider_id: request.providerId,
      account_id: request.accountId,
      ...(request.message ? { message: request.message } : {}),
      ...(request.userEmail ? { user_email: request.userEmail } : {}),
    };
    return this.send('users.invite', '/users/invite', invitationSentSchema, { json });
  }

  /** `identifier`: a public slug, a provider id (`ACoAA…`), a phone number or a username. */
  getProfile(identifier: string, request: ProfileRequest) {
    return this.get('users.profile', `/users/${seg(identifier)}`, userProfileSchema, {
      account_id: request.accountId,
      linkedin_api: request.linkedinApi,
      linkedin_sections: request.linkedinSections,
      notify: request.notify,
    });
  }

  listRelations(request: PageRequest & { accountId: string }) {
    return this.get('users.relations', '/users/relations', listOf(userRelationSchema), { account_id: request.accountId, ...pageQuery(request) });
  }

  listSentInvitations(request: PageRequest & { accountId: string }) {
    return this.get('users.invitations_sent', '/users/invite/sent', listOf(sentInvitationSchema), { account_id: request.accountId, ...pageQuery(request) });
  }

  cancelInvitation(invitationId: string, request: { accountId: string }) {
    return this.transport.call({
      operation: 'users.invitation_cancel',
      kind: 'write',
      method: 'DELETE',
      path: `/users/invite/sent/${seg(invitationId)}`,
      query: { account_id: request.accountId },
      schema: acknowledgedSchema,
    });
  }

  // email
  async sendEmail(request: SendEmailRequest) {
    if (request.to.length === 0) throw inputError('emails.send', 'to: at least one recipient is required');
    const form = new FormData();
    form.append('account_id', request.accountId);
    if (request.subject !== undefined) form.append('subject', request.subject);
    form.append('body', request.body);
    form.append('to', JSON.stringify(request.to.map(address)));
    if (request.cc?.length) form.append('cc', JSON.stringify(request.cc.map(address)));
    if (request.bcc?.length) form.append('bcc', JSON.stringify(request.bcc.map(address)));
    if (request.from) form.append('from', JSON.stringify(address(request.from)));
    if (request.replyTo) form.append('reply_to', request.replyTo);
    if (request.customHeaders?.length) form.append('custom_headers', JSON.stringify(request.customHeaders));
    if (request.trackingOptions) form.append('tracking_options', JSON.stringify(request.trackingOptions));
    appendAttachments(form, request.attachments);
    return this.send('emails.send', '/emails', emailSentSchema, { form });
  }

  // webhooks
  listWebhooks(page: PageRequest = {}) {
    return this.get('webhooks.list', '/webhooks', listOf(webhookSchema), pageQuery(page));
  }

  createWebhook(request: CreateWebhookRequest) {
    const json = {
      request_url: request.requestUrl,
      source: request.source,
      name: request.name,
      events: request.events,
      account_ids: request.accountIds,
      enabled: request.enabled,
      headers: request.headers,
      format: request.format,
    };
    return this.transport.call({ operation: 'webhooks.create', kind: 'write', method: 'POST', path: '/webhooks', json, schema: webhookCreatedSchema });
  }

  deleteWebhook(webhookId: string) {
    return this.transport.call({ operation: 'webhooks.delete', kind: 'write', method: 'DELETE', path: `/webhooks/${seg(webhookId)}`, schema: acknowledgedSchema });
  }

  private get<T>(operation: string, path: string, schema: z.ZodType<T>, query?: Record<string, QueryValue>): Promise<T> {
    return this.transport.call({ operation, kind: 'read', method: 'GET', path, query, schema });
  }

  /** A POST that reaches a person: never retried (see transport.ts). */
  private send<T>(operation: string, path: string, schema: z.ZodType<T>, body: { form?: FormData; json?: unknown }): Promise<T> {
    return this.transport.call({ operation, kind: 'send', method: 'POST', path, schema, ...body });
  }
}

/**
 * Every item of a cursor list, page after page (`cursor: null` ends it).
 * `paginate((cursor) => client.listChats({ accountId, cursor }))`.
 */
export async function* paginate<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>, options: { maxPages?: number } = {}): AsyncGenerator<T> {
  let cursor: string | undefined;
  for (let page = 0; page < (options.maxPages ?? Infinity); page++) {
    const result = await fetchPage(cursor);
    yield* result.items;
    if (!result.cursor || result.cursor === cursor) return;
    cursor = result.cursor;
  }
}

/** The note check UniPile would otherwise answer with a 400 after counting against nothing. */
export function checkInvitationNote(note: string | undefined): void {
  const length = note ? [...note].length : 0;
  if (length > INVITATION_NOTE_MAX) {
    throw inputError('users.invite', `note: ${length} characters, LinkedIn allows at most ${INVITATION_NOTE_MAX}; shorten the invitation note`, 'sequencer/note_too_long');
  }
}

function inputError(operation: string, detail: string, type = 'sequencer/invalid_input'): UnipileError {
  return new UnipileError({ class: 'invalid_request', operation, type, title: 'Invalid request', detail, reachedProvider: false });
}

const seg = (value: string) => encodeURIComponent(value);

function pageQuery(page: PageRequest): Record<string, QueryValue> {
  return { limit: page.limit, cursor: page.cursor ?? undefined };
}

function messageQuery(request: Omit<MessageListRequest, 'accountId'>): Record<string, QueryValue> {
  return {
    sender_id: request.senderId,
    before: isoDate(request.before, 'before'),
    after: isoDate(request.after, 'after'),
    ...pageQuery(request),
  };
}

function isoDate(value: DateInput | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw inputError('query', `${field}: ${JSON.stringify(String(value))} is not a date; use an ISO date such as 2026-07-01T09:00:00.000Z`);
  return date.toISOString();
}

function address(a: EmailAddress): { identifier: string; display_name?: string } {
  return a.displayName ? { display_name: a.displayName, identifier: a.identifier } : { identifier: a.identifier };
}

function appendAttachments(form: FormData, attachments: Attachment[] = []): void {
  for (const a of attachments) {
    form.append('attachments', new Blob([a.data as Uint8Array<ArrayBuffer>], { type: a.mimeType ?? 'application/octet-stream' }), a.name);
  }
}
