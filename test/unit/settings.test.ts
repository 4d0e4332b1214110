import { DEFAULT_SETTINGS, sequenceSettingsSchema, settingsFromRow } from '../../runtime/sequences/settings';

describe('sequence settings', () => {
  it('fills defaults: Mon–Fri 09:00–17:00 UTC, stop on reply across channels', () => {
    expect(sequenceSettingsSchema.parse({})).toMatchObject({ timezone: 'UTC', workingDays: [1, 2, 3, 4, 5], workingHours: { start: '09:00', end: '17:00' }, stopOnReply: 'contact' });
  });

  it('names the field and the fix for bad values', () => {
    const r = sequenceSettingsSchema.safeParse({ timezone: 'Mars/Olympus', workingHours: { start: '18:00', end: '09:00' } });
    expect(r.success).toBe(false);
    const messages = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(/^timezone: expected an IANA time zone/), expect.stringMatching(/workingHours.*start must be before/)]));
  });

  it('keeps what it can of a stored row a stricter version refuses', () => {
    const stored = { timezone: 'Europe/Paris', holidays: { country: 'XX', dates: [] }, legacyKey: true, jitterMinutes: 15 };
    expect(settingsFromRow(stored)).toMatchObject({ timezone: 'Europe/Paris', jitterMinutes: 15, holidays: DEFAULT_SETTINGS.holidays });
    expect(settingsFromRow(null)).toEqual(DEFAULT_SETTINGS);
  });
});
