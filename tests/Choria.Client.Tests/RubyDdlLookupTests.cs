using Choria.Ddl.Ruby;

namespace Choria.Client.Tests;

/// <summary>`choria req` on an agent that ships only a Ruby .ddl (real ruby and MCollective).</summary>
[Trait("Requires", "ruby")]
public sealed class RubyDdlLookupTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("choria-client-ddl-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    private static string[] LibDirs => [TestPaths.Fixture("agents", "ruby")];

    [Fact]
    public void A_ddl_only_agent_is_found_through_the_converter()
    {
        var converter = new RubyDdlConverter(new RubyDdlConverterOptions { CacheDirectory = _cache });
        Assert.True(DdlResolver.TryLoad("ddlonly", LibDirs, converter, out var ddl, out var error), error);
        Assert.Equal(["echo", "ping"], ddl.ActionNames());
        Assert.True(DdlResolver.TryBuildInputs(ddl.FindAction("echo")!, ["message=hi", "count=3"], out var data, out error), error);
        Assert.Equal("""{"message":"hi","count":3}""", data.ToJsonString());

        Assert.False(DdlResolver.TryLoad("ddlonly", LibDirs, out _, out error));
        Assert.Equal("could not find DDL for agent ddlonly", error);
    }

    [Fact]
    public void A_json_ddl_wins_and_a_broken_ruby_ddl_is_reported()
    {
        var converter = new RubyDdlConverter(new RubyDdlConverterOptions { Ruby = "/nonexistent/ruby", CacheDirectory = _cache });
        Assert.True(DdlResolver.TryLoad("jsonddl", LibDirs, converter, out var ddl, out var error), error);
        Assert.Equal("Greeter with a JSON DDL", ddl.Metadata.Description);

        var broken = Path.Combine(LibDirs[0], "mcollective", "agent", "broken.ddl");
        Assert.False(DdlResolver.TryLoad("broken", LibDirs, new RubyDdlConverter(new RubyDdlConverterOptions { CacheDirectory = _cache }), out _, out error));
        Assert.StartsWith($"could not load DDL for agent broken from {broken}: could not convert {broken} to JSON: ", error);
        Assert.EndsWith("Input needs a :optional property", error);
    }
}
