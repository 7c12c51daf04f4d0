import { describe, expect, it } from 'vitest';
import { delegationRequestCounts } from './apiserver-requests.js';

describe('delegationRequestCounts', () => {
  it('sums apiserver_request_total over every label set of tokenreviews and subjectaccessreviews, nothing else', () => {
    const text = [
      '# HELP apiserver_request_total [STABLE] Counter of apiserver requests',
      '# TYPE apiserver_request_total counter',
      'apiserver_request_total{code="201",component="apiserver",dry_run="",group="authentication.k8s.io",resource="tokenreviews",scope="cluster",subresource="",verb="POST",version="v1"} 7',
      'apiserver_request_total{code="500",component="apiserver",dry_run="",group="authentication.k8s.io",resource="tokenreviews",scope="cluster",subresource="",verb="POST",version="v1beta1"} 2',
      'apiserver_request_total{code="201",component="apiserver",dry_run="",group="authorization.k8s.io",resource="subjectaccessreviews",scope="cluster",subresource="",verb="POST",version="v1"} 3',
      'apiserver_request_total{code="201",component="apiserver",dry_run="",group="authorization.k8s.io",resource="selfsubjectaccessreviews",scope="cluster",subresource="",verb="POST",version="v1"} 100',
      'apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="secrets",scope="namespace",subresource="",verb="GET",version="v1"} 1e3',
      'apiserver_request_duration_seconds_count{resource="tokenreviews"} 50',
    ].join('\n');
    expect(delegationRequestCounts(text)).toEqual({ tokenreviews: 9, subjectaccessreviews: 3 });
  });

  it('is zero for a server that never saw either', () => {
    expect(delegationRequestCounts('apiserver_request_total{resource="pods"} 4\n')).toEqual({ tokenreviews: 0, subjectaccessreviews: 0 });
  });
});
