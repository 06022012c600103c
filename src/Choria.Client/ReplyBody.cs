using System.Text.Json;

namespace Choria.Client;

/// <summary>Parses the SimpleRPC reply body <c>{"statuscode","statusmsg","data"}</c> (docs/agents.md).</summary>
internal static class ReplyBody
{
    private static readonly JsonElement s_emptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>
    /// Never fails: a body that is not an RPC reply (for example Go's discovery <c>pong</c>) becomes
    /// status 5 with the text as message, so the operator still sees what the node said.
    /// </summary>
    public static RpcReply Parse(string sender, ReadOnlySpan<byte> body, DateTimeOffset time)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                var code = 0;
                var message = "OK";
                var data = s_emptyObject;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("statuscode"u8))
                    {
                        reader.Read();
                        code = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var c) ? c : 5;
                    }
                    else if (reader.ValueTextEquals("statusmsg"u8))
                    {
                        reader.Read();
                        message = reader.TokenType == JsonTokenType.String ? reader.GetString() ?? "" : "";
                    }
                    else if (reader.ValueTextEquals("data"u8))
                    {
                        reader.Read();
                        data = JsonElement.ParseValue(ref reader);
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }

                return new RpcReply(sender, code, message, data, time);
            }
        }
        catch (JsonException)
        {
        }

        return new RpcReply(sender, (int)RpcStatus.UnknownError, System.Text.Encoding.UTF8.GetString(body), s_emptyObject, time);
    }
}
