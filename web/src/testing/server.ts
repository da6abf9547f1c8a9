// MSW for the unit and component tests. A request no handler answers fails the test that made it.
import { setupServer } from 'msw/node';

const unhandled: string[] = [];

const base = setupServer();

export const server = Object.assign(base, {
  recordUnhandled(request: Request): void {
    unhandled.push(`${request.method} ${request.url}`);
  },
});

export function takeUnhandled(): string[] {
  return unhandled.splice(0, unhandled.length);
}
