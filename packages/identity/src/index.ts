import { hello } from '@certscrape/pkcs';
export const id = (): string => hello() + '-id';
