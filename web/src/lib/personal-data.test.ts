import { answerSubstance, customerQuestion, findPersonalData } from './personal-data';

const msg = (author: string, content: string) => ({ author, content });

describe('the customer question for the knowledge base', () => {
  it('keeps the customer words and drops the greeting, the name, the order number and the call for a human', () => {
    const history = [
      msg('customer', 'Hi, my name is Li Wei. Can I change the delivery address after ordering? ORD-017 must go to my new flat. I want a human'),
      msg('bot', 'You can change it from My Orders.'),
      msg('customer', 'Please transfer me to an agent'),
    ];
    expect(customerQuestion(history)).toBe('Can I change the delivery address after ordering? My order must go to my new flat.');
  });

  it('drops emails and phone numbers', () => {
    const q = customerQuestion([msg('customer', 'Hello! Why was I charged twice? Reach me at li.wei@example.com or +86 138 0013 8000.')]);
    expect(q).toBe('Why was I charged twice?');
    expect(findPersonalData(q)).toEqual([]);
  });

  it('is never the card summary: with no customer words there is nothing to prefill', () => {
    expect(customerQuestion([msg('bot', 'Customer wrote: … Escalated because: …')])).toBe('');
  });
});

describe('the substance of the agent answer', () => {
  it('drops the salutation, the introduction, the sign-off and the order number', () => {
    const history = [
      msg('customer', 'Where is ORD-001?'),
      msg('agent', 'Dear Li Wei, I am Ada from customer service. Order ORD-001 has shipped; it arrives on July 5. Is there anything else I can help you with?\n\nBest regards,\nAda'),
    ];
    const a = answerSubstance(history);
    expect(a).toBe('Your order has shipped; it arrives on July 5.');
    expect(a).not.toMatch(/Li Wei|Ada|ORD-/);
  });

  it('takes the last agent reply that says something', () => {
    expect(answerSubstance([msg('agent', 'Open My Account > Gift cards and press Activate.'), msg('agent', 'Hi Li,'), msg('system', 'x')])).toBe('Open My Account > Gift cards and press Activate.');
  });

  it('keeps a plain answer as it is', () => {
    expect(answerSubstance([msg('agent', 'I have updated the address of ORD-017. Use code GCX1 at checkout.')])).toBe('I have updated the address of your order. Use code GCX1 at checkout.');
  });
});

describe('personal data in a candidate', () => {
  it('finds a name, an email, a phone and an order id', () => {
    const hits = findPersonalData('Dear Li Wei, order ORD-003 goes to 5 Elm St; call 138-0013-8000 or write to li@example.com. Regards, Ada');
    expect(hits.map((h) => h.kind).sort()).toEqual(['email', 'name', 'name', 'order_id', 'phone']);
    expect(hits.filter((h) => h.kind === 'name').map((h) => h.text)).toEqual(['Li Wei', 'Ada']);
    expect(hits.find((h) => h.kind === 'phone')!.text).toBe('138-0013-8000');
  });

  it('finds masked phones and introductions', () => {
    expect(findPersonalData("I'm Ada; your phone 138****1234 is on file").map((h) => h.kind).sort()).toEqual(['name', 'phone']);
  });

  it('says nothing about ordinary text, dates, prices or greetings to no one in particular', () => {
    expect(findPersonalData('Hello there, dear customer. Refunds of up to 1,000.00 take 3-5 days; since 2026-07-03 orders ship in 24 hours. Thanks!')).toEqual([]);
  });
});
