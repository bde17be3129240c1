/**
 * The one form an email is compared in, everywhere (the unique index on `users.email_key`, log-in
 * lookups, the per-email log-in limit, the admin command): Unicode NFKC, then case folding, so a
 * Kelvin sign (U+212A) is a K, `ß` is `ss` and a fullwidth `ａ` is an `a`. JavaScript has no
 * full case fold; upper then lower case gives it for the letters that differ (ß, ς, ſ), and NFKC
 * again puts what that produced back in normal form. The address as typed is kept for display.
 */
export function emailKey(email: string): string {
  return email.trim().normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}
