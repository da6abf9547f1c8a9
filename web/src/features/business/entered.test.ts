import { addressChangedReply, agreesWithMasked, enteredAddress } from './entered';

describe('the address the agent entered', () => {
  it('is what follows "to" (or 改为) in the query', () => {
    expect(enteredAddress('Change the shipping address of ORD-017 to 123 Century Avenue, Pudong, Shanghai.')).toBe('123 Century Avenue, Pudong, Shanghai');
    expect(enteredAddress('把订单ORD-002的收货地址改为上海市浦东新区世纪大道100号')).toBe('上海市浦东新区世纪大道100号');
    expect(enteredAddress('Where is ORD-001?')).toBeNull();
  });

  it('is shown only when the parts the server left unmasked are in it', () => {
    expect(agreesWithMasked('123 Century Avenue, Pudong, Shanghai', '****, Pudong, Shanghai')).toBe(true);
    expect(agreesWithMasked('上海市浦东新区世纪大道100号', '上海市浦东新区****')).toBe(true);
    expect(agreesWithMasked('123 Century Avenue, Pudong, Shanghai', '****, Hangzhou')).toBe(false);
    expect(agreesWithMasked('anything', undefined)).toBe(false);
  });

  it('makes a reply the customer can use, in their language', () => {
    expect(addressChangedReply('ORD-3', '1 Nanjing Road, Shanghai', 'Change ORD-3 to 1 Nanjing Road, Shanghai')).toBe(
      'I have changed the shipping address of your order ORD-3 to 1 Nanjing Road, Shanghai. Your parcel will be delivered there.',
    );
    expect(addressChangedReply('ORD-2', '上海市浦东新区世纪大道100号', '把订单ORD-002的收货地址改为上海市浦东新区世纪大道100号')).toContain('已改为：上海市浦东新区世纪大道100号');
  });
});
