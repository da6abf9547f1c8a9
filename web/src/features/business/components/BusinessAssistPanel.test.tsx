import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { server } from '@/testing/server';
import { renderWithClient } from '@/testing/render';
import { BusinessAssistPanel } from './BusinessAssistPanel';

const URL_ = 'http://localhost:3000/api/v1/agent/sessions/sess-1/business-assist';

describe('business assist', () => {
  it('flags the masked values of a lookup', async () => {
    server.use(
      http.post(URL_, () =>
        HttpResponse.json({
          result: { reply: 'Order ORD-001 current status: shipped', data: { order_id: 'ORD-001', status: 'shipped', phone_masked: '138****1234', shipping_address_masked: 'Room ****, Beijing' }, error: null, need_confirmation: false, scene: 'order' },
          masked_fields: ['phone_masked', 'shipping_address_masked'],
        }),
      ),
    );
    const user = userEvent.setup();
    renderWithClient(<BusinessAssistPanel sessionId="sess-1" enabled onInsert={() => {}} />);
    await user.type(screen.getByTestId('business-query'), 'Where is ORD-001?{Enter}');
    expect(await screen.findByTestId('business-reply')).toHaveTextContent('Order ORD-001 current status: shipped');
    const phone = document.querySelector('[data-field="phone_masked"]')!;
    expect(phone).toHaveAttribute('data-masked', 'true');
    expect(within(phone as HTMLElement).getByText('masked')).toBeInTheDocument();
    expect(within(phone as HTMLElement).getByText('138****1234')).toBeInTheDocument();
    expect(document.querySelector('[data-field="status"]')).not.toHaveAttribute('data-masked');
  });

  it('shows what a write will change (the typed address as typed, the stored one masked), and Confirm re-posts the same query with the token', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post(URL_, async ({ request }) => {
        const body = (await request.json()) as { query: string; confirmation_token?: string };
        bodies.push(body);
        if (!body.confirmation_token) {
          return HttpResponse.json({
            result: {
              reply: 'About to change the shipping address of order ORD-003. Confirm to proceed.',
              data: { action: 'change_address', order_id: 'ORD-003', changes: { shipping_address_masked: { from: 'Room ****, Beijing', to: '****, Shanghai' } }, confirmation_token: 'tok-abc', expires_at: '2026-07-03T10:05:00Z' },
              error: null,
              need_confirmation: true,
              scene: 'change_address',
            },
            masked_fields: ['shipping_address_masked'],
          });
        }
        return HttpResponse.json({
          result: {
            reply: 'The shipping address of order ORD-003 is now ****, Shanghai.',
            data: { action: 'change_address', order_id: 'ORD-003', changes: { shipping_address_masked: { from: 'Room ****, Beijing', to: '****, Shanghai' } }, result: { status: 'processing', shipping_address_masked: '****, Shanghai' } },
            error: null,
            need_confirmation: false,
            scene: 'change_address',
          },
          masked_fields: ['shipping_address_masked'],
        });
      }),
    );
    const onInsert = vi.fn();
    const user = userEvent.setup();
    renderWithClient(<BusinessAssistPanel sessionId="sess-1" enabled onInsert={onInsert} />);
    await user.type(screen.getByTestId('business-query'), 'Change the address of ORD-003 to 1 Nanjing Road, Shanghai');
    await user.click(screen.getByTestId('business-ask'));
    const changes = await screen.findByTestId('business-changes');
    // Now: from the order system, masked. After: the agent's own input, as typed.
    const from = within(changes).getByTestId('change-from');
    expect(from).toHaveTextContent('Room ****, Beijing');
    expect(within(from).getByText('masked')).toBeInTheDocument();
    const to = within(changes).getByTestId('change-to');
    expect(to).toHaveTextContent('1 Nanjing Road, Shanghai (as you entered it)');
    expect(to).toHaveAttribute('data-entered', 'true');
    expect(within(to).queryByText('masked')).toBeNull();
    await user.click(screen.getByTestId('business-confirm'));
    expect(await screen.findByTestId('business-reply')).toHaveTextContent('is now ****, Shanghai');
    // The reply offered for the customer says where the parcel goes, not "****".
    const offered = 'I have changed the shipping address of your order ORD-003 to 1 Nanjing Road, Shanghai. Your parcel will be delivered there.';
    expect(screen.getByTestId('business-customer-reply')).toHaveTextContent(offered);
    await user.click(screen.getByTestId('business-insert'));
    expect(onInsert).toHaveBeenCalledWith(offered);
    expect(bodies).toEqual([
      { query: 'Change the address of ORD-003 to 1 Nanjing Road, Shanghai' },
      { query: 'Change the address of ORD-003 to 1 Nanjing Road, Shanghai', confirmation_token: 'tok-abc' },
    ]);
    expect(screen.queryByTestId('business-confirm')).toBeNull();
  });

  it('a typed address the server read differently is not shown as what will be written', async () => {
    server.use(
      http.post(URL_, () =>
        HttpResponse.json({
          result: {
            reply: 'Change the shipping address of order ORD-003 from Room ****, Beijing to ****, Hangzhou? Confirm within 5 minutes to proceed.',
            data: { action: 'change_address', order_id: 'ORD-003', changes: { shipping_address_masked: { from: 'Room ****, Beijing', to: '****, Hangzhou' } }, confirmation_token: 'tok-abc', expires_at: '2026-07-03T10:05:00Z' },
            error: null,
            need_confirmation: true,
            scene: 'change_address',
          },
          masked_fields: ['shipping_address_masked'],
        }),
      ),
    );
    const user = userEvent.setup();
    renderWithClient(<BusinessAssistPanel sessionId="sess-1" enabled onInsert={() => {}} />);
    await user.type(screen.getByTestId('business-query'), 'Change the address of ORD-003 to 1 Nanjing Road, Shanghai{Enter}');
    const to = within(await screen.findByTestId('business-changes')).getByTestId('change-to');
    expect(to).toHaveTextContent('****, Hangzhou');
    expect(to).not.toHaveAttribute('data-entered');
    expect(within(to).getByText('masked')).toBeInTheDocument();
  });

  it('shows result.error as the agent-actionable reply it is', async () => {
    server.use(
      http.post(URL_, () =>
        HttpResponse.json({ result: { reply: 'Order ORD-999 was not found. Check the number with the customer.', data: null, error: 'order_not_found', need_confirmation: false, scene: 'order' }, masked_fields: [] }),
      ),
    );
    const user = userEvent.setup();
    renderWithClient(<BusinessAssistPanel sessionId="sess-1" enabled onInsert={() => {}} />);
    await user.type(screen.getByTestId('business-query'), 'ORD-999?{Enter}');
    const error = await screen.findByTestId('business-error');
    expect(error).toHaveTextContent('order not found: Order ORD-999 was not found. Check the number with the customer.');
  });

  it('is off until the session is mine', () => {
    renderWithClient(<BusinessAssistPanel sessionId="sess-1" enabled={false} disabledReason="Accept the session to use business assist." onInsert={() => {}} />);
    expect(screen.getByTestId('business-query')).toBeDisabled();
    expect(screen.getByText('Accept the session to use business assist.')).toBeInTheDocument();
  });

  it('inserts the reply into the composer', async () => {
    server.use(http.post(URL_, () => HttpResponse.json({ result: { reply: 'Refund RF-1 completed.', data: null, error: null, need_confirmation: false, scene: 'refund' }, masked_fields: [] })));
    const onInsert = vi.fn();
    const user = userEvent.setup();
    renderWithClient(<BusinessAssistPanel sessionId="sess-1" enabled onInsert={onInsert} />);
    await user.type(screen.getByTestId('business-query'), 'refund?{Enter}');
    await user.click(await screen.findByRole('button', { name: 'Insert reply' }));
    await waitFor(() => expect(onInsert).toHaveBeenCalledWith('Refund RF-1 completed.'));
  });
});
