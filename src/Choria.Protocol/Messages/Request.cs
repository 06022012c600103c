using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Choria.Protocol.Filters;
using Choria.Protocol.Json;

namespace Choria.Protocol.Messages;

/// <summary><c>choria:request:1</c> (docs/protocol.md).</summary>
public sealed record Request
{
    public Request()
        : this(new RequestEnvelope())
    {
    }

    // For an envelope just read: an initializer on the property would first build an empty one, filter and all.
    internal Request(RequestEnvelope envelope) => Envelope = envelope;

    /// <summary>Schema minimum for <c>envelope.ttl</c>.</summary>
    public const int MinimumTtl = 30;

    public const int RequestIdLength = 32;

    [JsonPropertyName("protocol")]
    public string Protocol { get; init; } = Protocols.RequestV1;

    /// <summary>The agent payload as text (docs/protocol.md); see <see cref="RequestPayload.Decode"/>.</summary>
    [JsonPropertyName("message")]
    public string Message { get; init; } = "";

    [JsonPropertyName("envelope")]
    public RequestEnvelope Envelope { get; init; }

    /// <summary>UUID v4 without hyphens (docs/protocol.md).</summary>
    public static string NewRequestId() => Guid.NewGuid().ToString("N");

    /// <summary>
    /// Builds a request stamped with the current time. Invalid arguments are programming errors
    /// (Go clients also refuse to build them), so they throw.
    /// </summary>
    public static Request Create(RequestSpec spec, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.Ttl, MinimumTtl);
        ArgumentException.ThrowIfNullOrEmpty(spec.Message);
        ArgumentException.ThrowIfNullOrEmpty(spec.CallerId);
        ArgumentException.ThrowIfNullOrEmpty(spec.Collective);
        ArgumentException.ThrowIfNullOrEmpty(spec.Agent);
        var requestId = spec.RequestId ?? NewRequestId();
        if (requestId.Length != RequestIdLength)
        {
            throw new ArgumentException($"request id must be {RequestIdLength} characters", nameof(spec));
        }

        return new Request
        {
            Message = spec.Message,
            Envelope = new RequestEnvelope
            {
                RequestId = requestId,
                SenderId = spec.SenderId,
                CallerId = spec.CallerId,
                Collective = spec.Collective,
                Agent = spec.Agent,
                Ttl = spec.Ttl,
                Time = clock.GetUtcNow().ToUnixTimeSeconds(),
                Filter = spec.Filter ?? new Filter(),
            },
        };
    }

    public byte[] ToUtf8Bytes() => JsonSerializer.SerializeToUtf8Bytes(this, ProtocolJson.Context.Request);

    /// <summary>The compact JSON text to sign and carry verbatim in the secure request.</summary>
    public string ToJson() => Encoding.UTF8.GetString(ToUtf8Bytes());

    /// <summary>True when <paramref name="clock"/> is inside the validity window (docs/protocol.md).</summary>
    public bool IsCurrent(TimeProvider clock) => TtlWindow.IsCurrent(Envelope.Time, Envelope.Ttl, clock);

    public static bool TryParse(string json, [NotNullWhen(true)] out Request? request, [NotNullWhen(false)] out ProtocolError? error)
    {
        request = null;
        return JsonInput.TryParseObject(json, "request", out var document, out error) && TryRead(document, out request, out error);
    }

    public static bool TryParse(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out Request? request, [NotNullWhen(false)] out ProtocolError? error)
    {
        request = null;
        return JsonInput.TryParseObject(utf8, "request", out var document, out error) && TryRead(document, out request, out error);
    }

    /// <summary>
    /// Reads the request from the very bytes the signature covers, without copying them: the scan when it can decide
    /// (ADR 0004), otherwise the document and its errors.
    /// </summary>
    internal static bool TryParseSigned(SignedRequest signed, [NotNullWhen(true)] out Request? request, [NotNullWhen(false)] out ProtocolError? error)
    {
        if (RequestScan.TryScanValidUtf8(signed.Message, out request))
        {
            error = null;
            return true;
        }

        return JsonInput.TryParseObjectInPlace(signed.MessageMemory, "request", out var document, out error) && TryRead(document, out request, out error);
    }

    private static bool TryRead(PooledDocument document, [NotNullWhen(true)] out Request? request, [NotNullWhen(false)] out ProtocolError? error)
    {
        using (document)
        {
            request = null;
            var reader = new FieldReader(document.RootElement, "request");
            reader.Protocol(Protocols.RequestV1);
            var message = reader.RequiredString("message", minLength: 1);
            var envelope = reader.RequiredObject("envelope") is { } env ? ReadEnvelope(env, reader) : null;
            if (reader.Failed || envelope is null)
            {
                // A missing envelope has already failed the reader; the fallback only satisfies the contract.
                error = reader.Error ?? new ProtocolError(ProtocolErrorReason.MissingField, "request: required field 'envelope' is missing");
                return false;
            }

            request = new Request(envelope) { Message = message };
            error = null;
            return true;
        }
    }

    private static RequestEnvelope ReadEnvelope(JsonElement element, FieldReader parent)
    {
        var reader = new FieldReader(element, "request envelope");
        // Read in this order, the filter last, so that of several faults the same one is reported as ever.
        var requestId = reader.RequiredString("requestid", exactLength: RequestIdLength);
        var senderId = reader.RequiredString("senderid");
        var callerId = reader.RequiredString("callerid", minLength: 1);
        var collective = reader.RequiredString("collective", minLength: 1);
        var agent = reader.RequiredString("agent", minLength: 1);
        var ttl = reader.RequiredInteger("ttl", minimum: MinimumTtl);
        var time = reader.RequiredInteger("time");
        var filter = reader.RequiredObject("filter") is { } filterElement ? FilterReader.Read(filterElement, reader) : new Filter();
        var envelope = new RequestEnvelope(filter)
        {
            RequestId = requestId,
            SenderId = senderId,
            CallerId = callerId,
            Collective = collective,
            Agent = agent,
            Ttl = ttl,
            Time = time,
        };
        if (reader.Error is { } e)
        {
            parent.Fail(e.Reason, e.Message);
        }

        return envelope;
    }
}
