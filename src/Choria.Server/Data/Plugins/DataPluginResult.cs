using System.Text.Json.Nodes;

namespace Choria.Server.Data.Plugins;

public sealed record DataPluginResult(JsonObject? Data, string? Error)
{
    public static DataPluginResult Ok(JsonObject data) => new(data, null);

    public static DataPluginResult Fail(string error) => new(null, error);
}
