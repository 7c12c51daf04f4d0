import 'reflect-metadata';
export const hello = (): string => 'pkcs';
