using Choria.Config;
using Choria.Security;

namespace Choria.Client;

/// <summary>Checks a process must pass before it acts as a Choria client.</summary>
public static class ClientSecurityPolicy
{
    public const string AllowRootSetting = "plugin.security.puppet.allow_root_client";

    /// <summary>
    /// Refuses a puppet-provider client running as root unless <see cref="AllowRootSetting"/> is set. As root
    /// the puppet provider's certname is the configured identity (docs/security.md), so requests would be
    /// signed with the node's own certificate: servers reject it against certname_whitelist at best, and at
    /// worst an operator's actions are audited as the machine instead of a person (mcollective-choria #307).
    /// </summary>
    /// <exception cref="ChoriaClientException">Root, puppet provider, not allowed.</exception>
    public static void EnsureMayRun(ChoriaConfig config, ISecurityEnvironment? environment = null)
    {
        environment ??= SystemSecurityEnvironment.Instance;
        if (!environment.IsRoot
            || !string.Equals(config.SecurityProvider, "puppet", StringComparison.OrdinalIgnoreCase)
            || config.GetBool(AllowRootSetting))
        {
            return;
        }

        throw new ChoriaClientException(
            $"cannot run a Choria client as root with the puppet security provider: it would use the node certificate of {config.Identity}; run as a normal user or set {AllowRootSetting} = true");
    }
}
