namespace Choria.Broker.Network;

/// <summary>Finds the nats-server executable: explicit path first, then <c>PATH</c>, then <c>/usr/sbin</c> (Debian).</summary>
internal static class NatsBinaryLocator
{
    public static string Find(string? explicitPath, string? pathVariable)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return IsExecutable(explicitPath)
                ? explicitPath
                : throw new BrokerStartException($"nats-server binary '{explicitPath}' does not exist or is not executable (install the Debian package nats-server)");
        }

        var dirs = (pathVariable ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin").Append("/usr/bin");
        foreach (var dir in dirs)
        {
            var candidate = Path.Combine(dir, "nats-server");
            if (IsExecutable(candidate))
            {
                return candidate;
            }
        }

        throw new BrokerStartException("nats-server binary not found in PATH or /usr/sbin (install the Debian package nats-server)");
    }

    private static bool IsExecutable(string path) =>
        !OperatingSystem.IsWindows() && File.Exists(path) && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
