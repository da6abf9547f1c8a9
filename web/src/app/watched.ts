// The sessions whose details are on screen (the open one and "Mine"): live events about them
// refetch their details.
import { createStore } from '@/lib/store';

export const watchedSessions = createStore<string[]>([]);
