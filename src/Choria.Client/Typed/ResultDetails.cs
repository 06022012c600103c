using System.Text.Json;

namespace Choria.Client.Typed;

/// <summary>One node's reply to a typed client: status, typed output and the raw data.</summary>
public sealed record ResultDetails<T>(string Sender, int StatusCode, string StatusMessage, T Output, JsonElement Data, DateTimeOffset Time)
{
    public bool Ok => StatusCode == 0;
}
