namespace Choria.Packager;

/// <summary>How a compile target maps onto <c>dotnet publish</c> (docs/packaging.md, "Targets").</summary>
public sealed record PublishPlan(string Rid, string Mode, string Executable);

public static class Targets
{
    /// <summary>Go os/arch (and GOARM) → .NET runtime identifier; null when .NET 10 has no runtime for it.</summary>
    public static string? Rid(CompileTarget target) => (target.Os, target.Arch) switch
    {
        ("linux", "amd64") => "linux-x64",
        ("linux", "arm64") => "linux-arm64",
        ("linux", "arm") when target.Arm is null or "7" => "linux-arm",
        ("windows", "amd64") => "win-x64",
        ("windows", "arm64") => "win-arm64",
        ("darwin", "amd64") => "osx-x64",
        ("darwin", "arm64") => "osx-arm64",
        _ => null,
    };

    public static PublishPlan Plan(CompileTarget target)
    {
        var rid = Rid(target) ?? throw new PackagerException(
            $"compile target {target.Name}: .NET 10 cannot build for {target.Os}/{target.Arch}{(target.Arm is null ? "" : " v" + target.Arm)} (no Microsoft runtime for it)");
        // Native AOT compiles for the host OS only; from Linux that is linux-x64 and (cross) linux-arm64.
        var aotPossible = rid is "linux-x64" or "linux-arm64";
        var mode = target.Publish ?? (aotPossible ? "aot" : "singlefile");
        if (mode is not ("aot" or "singlefile"))
        {
            throw new PackagerException($"compile target {target.Name}: publish must be aot or singlefile, not {mode}");
        }

        if (mode == "aot" && !aotPossible)
        {
            throw new PackagerException($"compile target {target.Name}: native AOT for {rid} cannot be built on Linux (Cross-OS native compilation is not supported); use publish: singlefile");
        }

        return new PublishPlan(rid, mode, rid.StartsWith("win-", StringComparison.Ordinal) ? "choria.exe" : "choria");
    }

    /// <summary>
    /// The flags of a target as build settings for <c>scripts/build-settings.sh</c>: the packager's own version, SHA and
    /// build time first, then every flag except those three (which a buildspec cannot override, as in 2020).
    /// </summary>
    public static IReadOnlyList<string> Settings(CompileTarget target, string version, string sha, string buildTime, Action<string> warn)
    {
        var result = new List<string> { "Version=" + version, "SHA=" + sha, "BuildDate=" + buildTime };
        foreach (var (key, value) in target.Flags)
        {
            // A Go symbol path (github.com/choria-io/go-choria/build.Version) names the same setting as its last part.
            var shortName = key.Contains('/', StringComparison.Ordinal) ? key[(key.LastIndexOf('.') + 1)..] : key;
            if (shortName is "Version" or "SHA" or "BuildTime" or "BuildDate")
            {
                warn($"compile target {target.Name}: flag {key} is set by the packager and cannot be overridden; ignored");
                continue;
            }

            result.Add(key + "=" + value);
        }

        return result;
    }
}
