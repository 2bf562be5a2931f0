/** The toolkit version recorded in every file it writes. */
export const VERSION = '0.1.0';
