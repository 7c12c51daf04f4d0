// One implementation for every suite: the test kit's (127.0.0.1 by default).
export { freePort } from '@certscrape/local-cluster/testing';
