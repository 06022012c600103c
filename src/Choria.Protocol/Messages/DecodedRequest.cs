namespace Choria.Protocol.Messages;

// The decoded forms keep the transport's headers only: its data is what Secure holds, decoded.

/// <summary>A fully unwrapped request. Signature verification is the caller's job (security project).</summary>
public sealed record DecodedRequest(TransportHeaders Headers, SignedRequest Secure, Request Request);
