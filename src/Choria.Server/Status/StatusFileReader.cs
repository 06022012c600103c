using System.Text.Json;

namespace Choria.Server.Status;

/// <summary>
/// Reads the status file the server writes (docs/server.md), the way <c>choria tool status</c> checks it.
/// Go unmarshals into a struct: unknown keys are ignored, missing ones stay zero, wrong types fail with Go's text.
/// </summary>
public static class StatusFileReader
{
    public static bool TryRead(byte[] raw, out string connectedServer, out long lastMessage, out string? error)
    {
        connectedServer = "";
        lastMessage = 0;
        error = null;
        try
        {
            using var doc = JsonDocument.Parse(raw);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Null)
            {
                return true;
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                error = $"json: cannot unmarshal {GoKind(root.ValueKind)} into Go value of type server.InstanceStatus";
                return false;
            }

            if (root.TryGetProperty("connected_server", out var server) && server.ValueKind != JsonValueKind.Null)
            {
                if (server.ValueKind != JsonValueKind.String)
                {
                    error = $"json: cannot unmarshal {GoKind(server.ValueKind)} into Go struct field InstanceStatus.connected_server of type string";
                    return false;
                }

                connectedServer = server.GetString()!;
            }

            if (root.TryGetProperty("last_message", out var last) && last.ValueKind != JsonValueKind.Null)
            {
                if (last.ValueKind != JsonValueKind.Number || !last.TryGetInt64(out lastMessage))
                {
                    error = $"json: cannot unmarshal {GoKind(last.ValueKind)} into Go struct field InstanceStatus.last_message of type int64";
                    return false;
                }
            }

            return true;
        }
        catch (JsonException e)
        {
            error = e.Message;
            return false;
        }
        catch (InvalidOperationException e) when (e.InnerException is System.Text.DecoderFallbackException)
        {
            // The reader checks structure, not the bytes inside strings: a corrupt file can hold invalid UTF-8.
            error = "connected_server is not valid UTF-8";
            return false;
        }
    }

    private static string GoKind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "bool",
        _ => "null",
    };
}
