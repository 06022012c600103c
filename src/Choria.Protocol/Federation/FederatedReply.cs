using Choria.Protocol.Messages;

namespace Choria.Protocol.Federation;

/// <summary>A reply moved back onto the federation network, to publish to <see cref="ReplySubject"/>.</summary>
public sealed record FederatedReply(TransportMessage Message, string ReplySubject);
