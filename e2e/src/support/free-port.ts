// One implementation for every suite: the test kit's.
export { freePort } from '@certscrape/local-cluster/testing';
