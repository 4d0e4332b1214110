import { z } from 'zod/v4';

/**
 * UniPile response bodies, validated tolerantly: only the fields we rely on are checked, everything
 * else is kept as it came (loose objects), so a new field on UniPile's side never breaks us
 * (reference unipile-api-v1.md §5).
 */
const text = z.string().nullish();
/** Ids are strings in the docs; accept numbers too and normalize. */
const idLike = z.union([z.string(), z.number()]).transform(String);

export const listOf = <T extends z.ZodType>(item: T) =>
  z.looseObject({
    object: z.string().optional(),
    items: z.array(item),
    cursor: z.string().nullish(),
  });

export const accountSchema = z.looseObject({
  id: z.string(),
  name: text,
  type: z.string(),
  created_at: text,
  connection_params: z.looseObject({ im: z.looseObject({ id: z.string().optional() }).nullish() }).nullish(),
  sources: z.array(z.looseObject({ id: z.string().optional(), status: z.string().optional() })).nullish(),
});

export const chatSchema = z.looseObject({
  id: z.string(),
  account_id: z.string(),
  account_type: z.string().optional(),
  provider_id: text,
  attendee_provider_id: text,
  timestamp: text,
  unread_count: z.number().optional(),
});

export const messageSchema = z.looseObject({
  id: z.string(),
  account_id: z.string(),
  chat_id: z.string(),
  sender_id: text,
  text,
  timestamp: text,
  is_sender: z.union([z.number(), z.boolean()]).optional(),
});

export const userProfileSchema = z.looseObject({
  provider: z.string().optional(),
  provider_id: z.string(),
  public_identifier: text,
  first_name: text,
  last_name: text,
  headline: text,
});

export const userRelationSchema = z.looseObject({
  member_id: z.string(),
  public_identifier: text,
  first_name: text,
  last_name: text,
  created_at: z.number().nullish(),
});

export const sentInvitationSchema = z.looseObject({
  id: idLike,
  invited_user_id: text,
  invited_user_public_id: text,
  invitation_text: text,
});

export const webhookSchema = z.looseObject({ id: z.string() });

/** Send responses never fail validation: the send went through, whatever the body says. */
export const chatStartedSchema = z.looseObject({ chat_id: text, message_id: text });
export const messageSentSchema = z.looseObject({ message_id: text });
export const invitationSentSchema = z.looseObject({ invitation_id: idLike.nullish() });
export const emailSentSchema = z.looseObject({ tracking_id: text });

export const webhookCreatedSchema = z.looseObject({ webhook_id: z.string() });
export const acknowledgedSchema = z.looseObject({ object: z.string().optional() });

export type Account = z.infer<typeof accountSchema>;
export type Chat = z.infer<typeof chatSchema>;
export type Message = z.infer<typeof messageSchema>;
export type UserProfile = z.infer<typeof userProfileSchema>;
export type UserRelation = z.infer<typeof userRelationSchema>;
export type SentInvitation = z.infer<typeof sentInvitationSchema>;
export type Webhook = z.infer<typeof webhookSchema>;
export type ChatStarted = z.infer<typeof chatStartedSchema>;
export type MessageSent = z.infer<typeof messageSentSchema>;
export type InvitationSent = z.infer<typeof invitationSentSchema>;
export type EmailSent = z.infer<typeof emailSentSchema>;
export interface Page<T> {
  items: T[];
  cursor?: string | null;
}
