using Choria.Protocol.Messages;

namespace Choria.Client;

/// <summary>
/// A request signed by <see cref="RequestFactory.Sign"/>: the request, its secure request as sent and the reply
/// subject. <see cref="RequestFactory.Address"/> wraps it in the transport for the connected broker.
/// </summary>
public sealed record PresignedRequest(Request Request, byte[] SecureBytes, string ReplySubject);
