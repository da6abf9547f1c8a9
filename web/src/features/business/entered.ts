// What the agent typed into a write, shown back to them. The server masks every address it
// returns, the new one included (no personal data leaves it, whatever the input); but the new
// address is the agent's own input, already in this browser, so the confirmation shows it as
// typed and masks only what came from the order system.

const STARS = /\*{2,}/;
const ADDRESS_AFTER = /(?:\bto\b|改为|改成|换成|改到)\s*[:：]?\s*(.+?)\s*[.。!！?？]*\s*$/i;

/** The new address in an address-change query, as typed; null when the query has none. */
export function enteredAddress(query: string): string | null {
  const m = ADDRESS_AFTER.exec(query.trim());
  const value = m?.[1]?.trim();
  return value ? value : null;
}

/**
 * Whether the address typed is the one the server understood: every part the server left
 * unmasked (the locality) is in it. A typed value the server read differently is not shown as
 * if it were what will be written.
 */
export function agreesWithMasked(entered: string, masked: unknown): boolean {
  if (typeof masked !== 'string') return false;
  const norm = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();
  const kept = masked
    .split(STARS)
    .flatMap((part) => part.split(/[,，]/))
    .map(norm)
    .filter((p) => p.length > 0 && !/^[.\s-]*$/.test(p));
  const typed = norm(entered);
  return kept.every((p) => typed.includes(p));
}

const CJK = /[\u3400-\u9fff]/;

/** The reply offered for the customer after the address change went through. */
export function addressChangedReply(orderId: string, address: string, query: string): string {
  if (CJK.test(query)) return `您的订单${orderId}的收货地址已改为：${address}。包裹将寄往新地址。`;
  return `I have changed the shipping address of your order ${orderId} to ${address}. Your parcel will be delivered there.`;
}

/** When the typed address cannot be shown: still say something the customer can use. */
export function addressChangedReplyWithoutValue(orderId: string, query: string): string {
  if (CJK.test(query)) return `您的订单${orderId}的收货地址已按您提供的新地址修改。`;
  return `I have changed the shipping address of your order ${orderId} to the new address you gave us.`;
}
