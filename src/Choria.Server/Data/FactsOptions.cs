using System.Text.Json;

namespace Choria.Server.Data;

public sealed record FactsOptions
{
    /// <summary>The <c>plugin.yaml</c> value: one or more files joined by the OS path-list separator.</summary>
    public string FactsFiles { get; init; } = "";

    /// <summary>
    /// Facts held in memory instead of files (the fleet emulator gives each instance its own); when set the
    /// files are not read.
    /// </summary>
    public JsonElement? Facts { get; init; }
}
