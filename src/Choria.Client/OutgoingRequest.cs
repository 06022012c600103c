using Choria.Protocol.Messages;

namespace Choria.Client;

/// <summary>A request ready to publish: the ids, the reply subject and the transport bytes.</summary>
public sealed record OutgoingRequest(string RequestId, string ReplySubject, Request Request, TransportMessage Transport, byte[] Bytes);
