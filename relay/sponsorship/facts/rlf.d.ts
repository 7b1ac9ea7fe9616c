/**
 * Types for the two rate-limiter-flexible files imported by path. The package
 * root also loads its cluster and database limiters (node:cluster, drivers),
 * which a platform-free bundle cannot carry; the store-agnostic base class and its
 * result type are plain CommonJS with no platform imports.
 */
declare module 'rate-limiter-flexible/lib/RateLimiterStoreAbstract.js' {
  import type { RateLimiterStoreAbstract } from 'rate-limiter-flexible';
  const RateLimiterStoreAbstractClass: typeof RateLimiterStoreAbstract;
  export default RateLimiterStoreAbstractClass;
}

declare module 'rate-limiter-flexible/lib/RateLimiterRes.js' {
  import type { RateLimiterRes } from 'rate-limiter-flexible';
  const RateLimiterResClass: typeof RateLimiterRes;
  export default RateLimiterResClass;
}
