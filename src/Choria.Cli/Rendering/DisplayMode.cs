using Choria.Client;
using Choria.Ddl;

namespace Choria.Cli.Rendering;

/// <summary>Which replies the text output shows (<c>--display</c>).</summary>
internal enum DisplayMode
{
    Ok,
    Failed,
    All,
    None,
}

internal static class DisplayModes
{
    /// <summary><c>--display</c> wins; else the DDL hint (<c>ok</c>, <c>always</c>; anything else means failures only).</summary>
    public static DisplayMode Resolve(string? flag, ActionDdl? action) => flag?.ToLowerInvariant() switch
    {
        "ok" => DisplayMode.Ok,
        "failed" => DisplayMode.Failed,
        "all" or "always" => DisplayMode.All,
        "none" => DisplayMode.None,
        _ => action?.Display.ToLowerInvariant() switch
        {
            "ok" => DisplayMode.Ok,
            "always" => DisplayMode.All,
            _ => DisplayMode.Failed,
        },
    };

    public static bool Shows(this DisplayMode mode, RpcReply reply) => mode switch
    {
        DisplayMode.All => true,
        DisplayMode.Ok => reply.Ok,
        DisplayMode.Failed => !reply.Ok,
        _ => false,
    };
}
