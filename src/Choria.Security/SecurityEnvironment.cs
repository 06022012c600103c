namespace Choria.Security;

/// <summary>The process facts the certname rules depend on; injectable so tests can play root or a user.</summary>
public interface ISecurityEnvironment
{
    string? GetVariable(string name);

    bool IsRoot { get; }

    bool IsWindows { get; }

    string? HomeDirectory { get; }
}

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

/// <summary>Certname derivation shared by every provider (docs/security.md).</summary>
internal static class CertnameRules
{
    /// <summary>
    /// Explicit override, then <c>MCOLLECTIVE_CERTNAME</c>, then <c>&lt;USER&gt;.mcollective</c> for
    /// non-root Unix users, then the configured identity.
    /// </summary>
    public static string Resolve(string? certnameOverride, string identity, ISecurityEnvironment environment)
    {
        if (!string.IsNullOrEmpty(certnameOverride))
        {
            return certnameOverride;
        }

        var fromEnvironment = environment.GetVariable("MCOLLECTIVE_CERTNAME");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        if (!environment.IsRoot && !environment.IsWindows)
        {
            var user = environment.GetVariable("USER");
            if (!string.IsNullOrEmpty(user))
            {
                return user + ".mcollective";
            }
        }

        return identity;
    }
}
