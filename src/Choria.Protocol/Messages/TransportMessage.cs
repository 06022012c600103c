using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Choria.Protocol.Json;

namespace Choria.Protocol.Messages;

/// <summary><c>choria:transport:1</c>, the outermost layer published on NATS (protocol.md 2.6).</summary>
public sealed record TransportMessage
{
    [JsonPropertyName("protocol")]
    public string Protocol { get; init; } = Protocols.TransportV1;

    /// <summary>Base64 of the secure message JSON, exactly as received (may contain Ruby's line breaks).</summary>
    [JsonPropertyName("data")]
    public string Data { get; init; } = "";

    [JsonPropertyName("headers")]
    public TransportHeaders Headers { get; init; } = new();

    /// <summary>Wraps the UTF-8 JSON of a secure request or reply.</summary>
    public static TransportMessage Create(ReadOnlySpan<byte> secureJsonUtf8, TransportHeaders headers) =>
        new() { Data = Convert.ToBase64String(secureJsonUtf8), Headers = headers };

    public static TransportMessage Create(string secureJson, TransportHeaders headers) =>
        Create(Encoding.UTF8.GetBytes(secureJson), headers);

    public TransportMessage WithSeenByHop(SeenByHop hop) => this with { Headers = Headers.WithSeenByHop(hop) };

    public byte[] ToUtf8Bytes() =>
        JsonSerializer.SerializeToUtf8Bytes(this with { Headers = Headers.Compact() }, ProtocolJson.Context.TransportMessage);

    public string ToJson() => Encoding.UTF8.GetString(ToUtf8Bytes());

    /// <summary>Decodes <see cref="Data"/>; embedded CR/LF are ignored like Go's decoder does.</summary>
    public bool TryDecodeData(out byte[]? secureJsonUtf8, out ProtocolError? error)
    {
        try
        {
            secureJsonUtf8 = Convert.FromBase64String(Data);
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            secureJsonUtf8 = null;
            error = new ProtocolError(ProtocolErrorReason.InvalidBase64, $"transport data is not valid base64: {e.Message}");
            return false;
        }
    }

    public static bool TryParse(ReadOnlySpan<byte> payload, out TransportMessage? message, out ProtocolError? error)
    {
        message = null;
        if (!JsonInput.TryParseObject(payload, "transport", out var document, out error))
        {
            return false;
        }

        using (document)
        {
            var root = document!.RootElement;
            var reader = new FieldReader(root, "transport");
            reader.Protocol(Protocols.TransportV1);
            if (reader.Failed)
            {
                error = reader.Error;
                return false;
            }

            var data = reader.RequiredString("data", minLength: 1);
            var headers = reader.OptionalObject("headers") is { } h ? ReadHeaders(h, reader) : new TransportHeaders();
            if (reader.Failed)
            {
                error = reader.Error;
                return false;
            }

            message = new TransportMessage { Data = data, Headers = headers };
            return true;
        }
    }

    private static TransportHeaders ReadHeaders(JsonElement element, FieldReader parent)
    {
        var reader = new FieldReader(element, "transport headers");
        var replyTo = reader.OptionalString("reply-to");
        var sender = reader.OptionalString("mc_sender");
        List<SeenByHop>? seenBy = null;
        if (reader.Has("seen-by") && element.GetProperty("seen-by").ValueKind != JsonValueKind.Null && reader.Array("seen-by", required: false) is { } hops)
        {
            seenBy = [];
            foreach (var hop in hops.EnumerateArray())
            {
                var parts = ReadStrings(hop);
                if (parts is null)
                {
                    reader.Fail(ProtocolErrorReason.WrongType, "each seen-by hop must be an array of strings");
                    break;
                }

                seenBy.Add(SeenByHop.FromParts(parts));
            }
        }

        FederationHeader? federation = null;
        if (reader.OptionalObject("federation") is { } fed)
        {
            var fr = new FieldReader(fed, "federation header");
            federation = new FederationHeader
            {
                RequestId = fr.OptionalString("req"),
                ReplyTo = fr.OptionalString("reply-to"),
                Targets = fr.Has("target") && fed.GetProperty("target").ValueKind != JsonValueKind.Null ? fr.StringArray("target", required: false) : null,
            };
            if (fr.Error is { } fe)
            {
                reader.Fail(fe.Reason, fe.Message);
            }
        }

        if (reader.Error is { } e)
        {
            parent.Fail(e.Reason, e.Message);
        }

        return new TransportHeaders { ReplyTo = replyTo, McSender = sender, SeenBy = seenBy, Federation = federation };
    }

    private static List<string>? ReadStrings(JsonElement array)
    {
        if (array.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var parts = new List<string>(3);
        foreach (var item in array.EnumerateArray())
        {
            if (!JsonStrings.TryGet(item, out var part))
            {
                return null;
            }

            parts.Add(part);
        }

        return parts;
    }
}
