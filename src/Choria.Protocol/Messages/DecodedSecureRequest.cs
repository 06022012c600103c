namespace Choria.Protocol.Messages;

// The decoded forms keep the transport's headers only: its data is what Secure holds, decoded.

/// <summary>A NATS payload unwrapped down to the secure request; the inner request is not yet trusted.</summary>
public sealed record DecodedSecureRequest(TransportHeaders Headers, SecureRequest Secure);
