using System.Text.Json;
using System.Text.Json.Serialization;

namespace Choria.Protocol.Messages;

/// <summary>One <c>seen-by</c> entry: <c>[in_server, processor, out_server]</c> (docs/protocol.md).</summary>
[JsonConverter(typeof(SeenByHopConverter))]
public sealed record SeenByHop(string In, string Processor, string Out)
{
    /// <summary>Reads a hop the way Go does: a fixed 3-element array, missing items "" and extra ones dropped.</summary>
    public static SeenByHop FromParts(IReadOnlyList<string> parts) => new(
        parts.Count > 0 ? parts[0] : "",
        parts.Count > 1 ? parts[1] : "",
        parts.Count > 2 ? parts[2] : "");
}

internal sealed class SeenByHopConverter : JsonConverter<SeenByHop>
{
    public override SeenByHop Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("a seen-by hop must be an array");
        }

        var parts = new List<string>(3);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            parts.Add(reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException("seen-by items must be strings"));
        }

        return SeenByHop.FromParts(parts);
    }

    public override void Write(Utf8JsonWriter writer, SeenByHop value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteStringValue(value.In);
        writer.WriteStringValue(value.Processor);
        writer.WriteStringValue(value.Out);
        writer.WriteEndArray();
    }
}
