using System.Text.Json;

namespace Choria.Client;

/// <summary>One node's answer to an RPC request.</summary>
public sealed record RpcReply(string Sender, int StatusCode, string StatusMessage, JsonElement Data, DateTimeOffset Time)
{
    public bool Ok => StatusCode == 0;

    /// <summary>The header go-choria prints per status: empty for OK.</summary>
    public static string StatusText(int code) => code switch
    {
        0 => "",
        1 => "Request Aborted",
        2 => "Unknown Action",
        3 => "Missing Request Data",
        4 => "Invalid Request Data",
        _ => "Unknown Request Status",
    };
}
