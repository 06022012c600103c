using System.CommandLine;

namespace Choria.Cli;

/// <summary>Flags every command accepts (docs/client.md).</summary>
public static class GlobalOptions
{
    public static readonly Option<bool> Debug = new("--debug", "-d")
    {
        Description = "Enable debug logging",
        Recursive = true,
    };

    public static readonly Option<FileInfo?> Config = new("--config")
    {
        Description = "Config file to use",
        Recursive = true,
    };
}
