/**
 * Maps an HTTP method to the Kubernetes verb, as the apiserver's request-info resolver does
 * for resource requests and kube-rbac-proxy does for everything: GET/HEAD -> get, POST -> create,
 * PUT -> update, PATCH -> patch, DELETE -> delete. Any other method maps to its lower-case name
 * (so OPTIONS -> "options"), which no `get` rule matches.
 */
export function verbForMethod(method: string | undefined): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    case undefined:
      return '';
    default:
      return method.toLowerCase();
  }
}
