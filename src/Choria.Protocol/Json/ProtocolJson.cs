using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Choria.Protocol.Filters;
using Choria.Protocol.Lifecycle;
using Choria.Protocol.Messages;

namespace Choria.Protocol.Json;

[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(TransportMessage))]
[JsonSerializable(typeof(SecureRequest))]
[JsonSerializable(typeof(SecureReply))]
[JsonSerializable(typeof(Request))]
[JsonSerializable(typeof(Reply))]
[JsonSerializable(typeof(Filter))]
[JsonSerializable(typeof(ChoriaLifecycleEventJson))]
[JsonSerializable(typeof(CloudEventJson))]
internal sealed partial class ProtocolJsonContext : JsonSerializerContext;

/// <summary>Shared serialisation settings: compact, and no \u-escaping of &lt;&gt;&amp; (docs/protocol.md).</summary>
internal static class ProtocolJson
{
    /// <summary>NATS's default max payload; nothing larger can be a legitimate message.</summary>
    public const int MaxPayloadBytes = 1024 * 1024;

    /// <summary>Real messages nest at most ~7 levels; anything deeper is hostile.</summary>
    public const int MaxDepth = 64;

    public static ProtocolJsonContext Context { get; } = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };
}
