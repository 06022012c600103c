namespace Choria.Protocol.Messages;

// The decoded forms keep the transport's headers only: its data is what Secure holds, decoded.

/// <summary>A fully unwrapped reply; check <see cref="SecureReply.IsHashValid"/> before trusting it.</summary>
public sealed record DecodedReply(TransportHeaders Headers, SecureReply Secure, Reply Reply);
