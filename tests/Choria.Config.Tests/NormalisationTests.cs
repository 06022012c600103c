namespace Choria.Config.Tests;

public class NormalisationTests
{
    [Fact]
    public void Main_collective_defaults_to_first_collective_and_registration_follows_main()
    {
        var c = TestOptions.Load("collectives = dev, prod");
        Assert.Equal("dev", c.MainCollective);
        Assert.Equal("dev", c.RegistrationCollective);

        c = TestOptions.Load("collectives = dev, prod\nmain_collective = prod");
        Assert.Equal("prod", c.RegistrationCollective);

        c = TestOptions.Load("collectives = dev, prod\nregistration_collective = dev\nmain_collective = prod");
        Assert.Equal("dev", c.RegistrationCollective);
    }

    [Fact]
    public void Identity_uses_hostname_with_two_dots()
    {
        var called = false;
        var o = TestOptions.Make() with { HostnameProvider = () => "a.b.c", FqdnResolver = _ => { called = true; return "x.y.z"; } };
        Assert.Equal("a.b.c", ConfigLoader.Defaults(o).Identity);
        Assert.False(called);
    }

    [Fact]
    public void Identity_falls_back_to_reverse_dns_then_facter_then_short_name()
    {
        var o = TestOptions.Make() with { HostnameProvider = () => "host", FqdnResolver = h => h + ".example.net." };
        Assert.Equal("host.example.net", ConfigLoader.Defaults(o).Identity);

        o = o with { FqdnResolver = _ => "localhost", FacterFqdn = () => "host.facter.net" };
        Assert.Equal("host.facter.net", ConfigLoader.Defaults(o).Identity);

        o = o with { FqdnResolver = _ => null, FacterFqdn = null };
        Assert.Equal("host", ConfigLoader.Defaults(o).Identity);
    }

    [Fact]
    public void Identity_that_cannot_be_determined_is_an_error()
    {
        var o = TestOptions.Make() with { HostnameProvider = () => "", FqdnResolver = _ => null };
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Defaults(o));
        Assert.Contains("could not determine identity", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configured_identity_wins()
    {
        var o = TestOptions.Make() with { HostnameProvider = () => throw new InvalidOperationException("must not be called") };
        Assert.Equal("me.example", ConfigLoader.LoadText("identity = me.example", "t", o).Config.Identity);
    }

    [Fact]
    public void With_returns_a_modified_copy_and_validates()
    {
        var c = TestOptions.Load("collectives = a");
        var p = c.With(new Dictionary<string, string> { ["collectives"] = "provisioning", ["main_collective"] = "provisioning" });
        Assert.Equal(["a"], c.Collectives);
        Assert.Equal(["provisioning"], p.Collectives);
        Assert.Equal("provisioning", p.MainCollective);
        Assert.Throws<ConfigException>(() => c.With(new Dictionary<string, string> { ["ttl"] = "x" }));
    }
}
