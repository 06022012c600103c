using System.Text.Json;

namespace Choria.Config.Build;

/// <summary>The claims of a provisioning JWT (docs/provisioning.md): what it overrides in the build settings.</summary>
public sealed record ProvisioningClaims
{
    /// <summary><c>cht</c>: the provisioning token.</summary>
    public string Token { get; init; } = "";

    /// <summary><c>chs</c>: provision over TLS with signed requests.</summary>
    public bool Secure { get; init; }

    /// <summary><c>chu</c>: comma list of provisioning brokers.</summary>
    public string Urls { get; init; } = "";

    /// <summary><c>chsrv</c>: domain for provisioning SRV lookups.</summary>
    public string SrvDomain { get; init; } = "";

    /// <summary><c>chpd</c>: provisioning on unless the configuration says otherwise.</summary>
    public bool ProvisionDefault { get; init; }

    /// <summary><c>chrd</c>: registration data file published while provisioning.</summary>
    public string RegistrationData { get; init; } = "";

    /// <summary><c>chf</c>: facts file used while provisioning.</summary>
    public string Facts { get; init; } = "";

    /// <summary>Every claim as sent, including the standard ones (<c>iat</c>, <c>iss</c>, ...).</summary>
    public JsonElement All { get; init; }
}
