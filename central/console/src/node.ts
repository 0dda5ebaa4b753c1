import type { VNode } from 'preact';

/** What a view function returns: any element (h() types each element by its own props). */
// biome-ignore lint/suspicious/noExplicitAny: a view returns elements of any props type
export type Node = VNode<any>;
