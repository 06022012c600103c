namespace Choria.Security;

/// <summary>Outcome of <c>shouldCacheClientCert</c> (docs/security.md): accept, privileged and the cache name.</summary>
public sealed record CacheDecision(bool Accept, bool Privileged, string Name, SecurityFailureReason Reason, string Message);
