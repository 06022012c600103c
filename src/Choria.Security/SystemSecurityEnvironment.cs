namespace Choria.Security;

/// <summary>The real process environment.</summary>
public sealed class SystemSecurityEnvironment : ISecurityEnvironment
{
    public static SystemSecurityEnvironment Instance { get; } = new();

    public string? GetVariable(string name) => Environment.GetEnvironmentVariable(name);

    // On Unix this is euid == 0, which is what Go's os.Geteuid() check means.
    public bool IsRoot => !OperatingSystem.IsWindows() && Environment.IsPrivilegedProcess;

    public bool IsWindows => OperatingSystem.IsWindows();

    public string? HomeDirectory => OperatingSystem.IsWindows()
        ? Environment.GetEnvironmentVariable("HOMEDRIVE") + Environment.GetEnvironmentVariable("HOMEPATH")
        : Environment.GetEnvironmentVariable("HOME");
}
