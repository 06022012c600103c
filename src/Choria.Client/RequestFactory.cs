using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Choria.Protocol.Filters;
using Choria.Protocol.Messages;
using Choria.Protocol.Subjects;
using Choria.Security;

namespace Choria.Client;

/// <summary>
/// Builds signed requests the way docs/protocol.md describes: request → secure request (signed) →
/// transport with reply-to, mc_sender and one seen-by hop.
/// </summary>
public sealed class RequestFactory
{
    /// <summary>The payload broadcast discovery and ping send; the quoted form works with Go and Ruby servers (docs/protocol.md).</summary>
    public const string PingPayload = "\"ping\"";

    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ISecurityProvider? _security;
    private readonly TimeProvider _clock;

    /// <param name="security">Signs requests; null only with <paramref name="insecure"/>.</param>
    /// <param name="insecure">Protocol security off: signature and pubcert are the literal <c>insecure</c>.</param>
    public RequestFactory(string senderId, string callerId, ISecurityProvider? security, bool insecure, int ttl = 60, TimeProvider? clock = null)
    {
        if (security is null && !insecure)
        {
            throw new ArgumentNullException(nameof(security), "a security provider is required unless running insecure");
        }

        SenderId = senderId;
        CallerId = callerId;
        _security = security;
        Insecure = insecure;
        Ttl = ttl;
        _clock = clock ?? TimeProvider.System;
    }

    public string SenderId { get; }

    public string CallerId { get; }

    public bool Insecure { get; }

    public int Ttl { get; }

    /// <param name="serverUrl">Connected broker URL for the seen-by hop; null adds no hop.</param>
    public OutgoingRequest Build(string agent, string payload, string collective, Filter filter, string? serverUrl, string? requestId = null) =>
        Address(Sign(agent, payload, collective, filter, requestId), serverUrl);

    /// <summary>The request and its signed secure request: everything but the transport, which names the connected broker.</summary>
    public PresignedRequest Sign(string agent, string payload, string collective, Filter filter, string? requestId = null)
    {
        var request = Request.Create(
            new RequestSpec
            {
                Agent = agent,
                Collective = collective,
                CallerId = CallerId,
                SenderId = SenderId,
                Message = payload,
                Filter = filter,
                Ttl = Ttl,
                RequestId = requestId,
            },
            _clock);
        var requestBytes = request.ToUtf8Bytes();
        var requestJson = Encoding.UTF8.GetString(requestBytes);
        var secure = Insecure
            ? SecureRequest.Create(requestJson, SecureRequest.Insecure, SecureRequest.Insecure)
            : SecureRequest.Create(requestJson, _security!.SignToBase64(requestBytes), _security.PublicCertPem);
        return new PresignedRequest(request, secure.ToUtf8Bytes(), ChoriaSubjects.ReplyForCaller(collective, CallerId, request.Envelope.RequestId));
    }

    /// <summary>The transport of a signed <paramref name="request"/>: reply-to, mc_sender and, with <paramref name="serverUrl"/>, one seen-by hop.</summary>
    public OutgoingRequest Address(PresignedRequest request, string? serverUrl)
    {
        ArgumentNullException.ThrowIfNull(request);
        var transport = TransportMessage.Create(request.SecureBytes, new TransportHeaders { ReplyTo = request.ReplySubject, McSender = SenderId });
        if (!string.IsNullOrEmpty(serverUrl))
        {
            transport = transport.WithSeenByHop(new SeenByHop(serverUrl, SenderId, serverUrl));
        }

        return new OutgoingRequest(request.Request.Envelope.RequestId, request.ReplySubject, request.Request, transport, transport.ToUtf8Bytes());
    }

    /// <summary>
    /// The SimpleRPC payload with the key set Ruby clients send (wire captures 03-19):
    /// <c>{"agent","action","caller","data":{...,"process_results":true}}</c>.
    /// </summary>
    public string RpcPayload(string agent, string action, JsonObject? data)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("agent", agent);
            writer.WriteString("action", action);
            writer.WriteString("caller", CallerId);
            writer.WritePropertyName("data");
            writer.WriteStartObject();
            if (data is not null)
            {
                foreach (var (key, value) in data)
                {
                    if (key == "process_results")
                    {
                        continue;
                    }

                    writer.WritePropertyName(key);
                    if (value is null)
                    {
                        writer.WriteNullValue();
                    }
                    else
                    {
                        value.WriteTo(writer);
                    }
                }
            }

            writer.WriteBoolean("process_results", true);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
