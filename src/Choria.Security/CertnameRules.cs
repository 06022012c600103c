namespace Choria.Security;

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
