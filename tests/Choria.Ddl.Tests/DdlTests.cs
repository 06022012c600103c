using System.Text;
using System.Text.Json;

namespace Choria.Ddl.Tests;

public class DdlTests
{
    public static TheoryData<string> FixtureDdls() => new(Directory.GetFiles(TestPaths.Fixture("server", "ddl"), "*.json").Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(FixtureDdls))]
    public void Every_fixture_ddl_loads_and_validates(string file)
    {
        var result = DdlLoader.LoadFile(TestPaths.Fixture("server", "ddl", file));
        Assert.True(result.Success, result.Error);
        Assert.NotEmpty(result.Ddl!.Actions);
        Assert.All(result.Ddl.Actions, a => Assert.Contains(a.Display, new[] { "ok", "failed", "always" }));
    }

    [Fact]
    public void Builtin_ddls_are_embedded()
    {
        Assert.Equal(["choria_provision", "choria_util", "discovery", "rpcutil"], DdlLoader.BuiltinNames);
        foreach (var name in DdlLoader.BuiltinNames)
        {
            var r = DdlLoader.LoadBuiltin(name);
            Assert.True(r.Success, r.Error);
            Assert.Equal(name, r.Ddl!.Metadata.Name);
        }
    }

    [Fact]
    public void Model_keeps_inputs_outputs_and_aggregates()
    {
        var ddl = DdlLoader.LoadFile(TestPaths.Fixture("server", "ddl", "package.json")).Ddl!;
        var yum = ddl.FindAction("yum_clean")!;
        Assert.Equal("list", yum.Input["mode"].Type);
        Assert.Contains("expire-cache", yum.Input["mode"].List!);
        var status = ddl.FindAction("status")!;
        Assert.Equal("shellsafe", status.Input["package"].Validation);
        Assert.Equal("summary", status.Aggregate![0].Function);
        Assert.Equal("ensure", status.Aggregate[0].OutputName);
        var rpcutil = DdlLoader.LoadBuiltin("rpcutil").Ddl!;
        Assert.Equal("Timestamp", rpcutil.FindAction("ping")!.Output["pong"].DisplayAs);
        var modern = DdlLoader.LoadFile(TestPaths.Fixture("server", "ddl", "rpcutil.json")).Ddl!;
        Assert.Equal(JsonValueKind.False, modern.FindAction("inventory")!.Output["upgradable"].Default!.Value.ValueKind);
    }

    [Theory]
    [InlineData("""{"metadata":{"name":"x","description":"d","author":"a","license":"l","version":"1.0.0","url":"u"},"actions":[]}""", "timeout is required")]
    [InlineData("""{"metadata":{"name":"x","description":"d","author":"a","license":"l","version":"1.0.0","url":"u","timeout":1},"actions":[]}""", "timeout must be at least 2")]
    [InlineData("""{"metadata":{"name":"Bad-Name","description":"d","author":"a","license":"l","version":"1.0.0","url":"u","timeout":2},"actions":[]}""", "does not match")]
    [InlineData("""{"metadata":{"name":"x","description":"d","author":"a","license":"l","version":"one","url":"u","timeout":2},"actions":[]}""", "not a valid version")]
    [InlineData("""{"metadata":{"name":"x","description":"d","author":"a","license":"l","version":"1","url":"u","timeout":2},"actions":[{"action":"a","description":"d","input":{}}]}""", "output is required")]
    [InlineData("""{"metadata":{"name":"x","description":"d","author":"a","license":"l","version":"1","url":"u","timeout":2},"actions":[{"action":"a","description":"d","output":{},"input":{"s":{"prompt":"p","description":"d","optional":true,"type":"string"}}}]}""", "string inputs require a string validation")]
    [InlineData("""{"metadata":{"name":"x","description":"d","author":"a","license":"l","version":"1","url":"u","timeout":2},"actions":[{"action":"a","description":"d","output":{},"input":{"s":{"prompt":"p","description":"d","optional":true,"type":"list"}}}]}""", "list inputs require a list")]
    [InlineData("""{"metadata":{"name":"x","description":"d","author":"a","license":"l","version":"1","url":"u","timeout":2},"actions":[{"action":"a","description":"d","output":{},"input":{"s":{"prompt":"p","description":"d","type":"boolean"}}}]}""", "optional is required")]
    [InlineData("""{"metadata":{"name":"x","description":"d","author":"a","license":"l","version":"1","url":"u","timeout":2},"actions":[{"action":"a","description":"d","input":{},"output":{"o":{"description":"d"}}}]}""", "display_as is required")]
    [InlineData("""{"metadata":{"name":"x","description":"d","author":"a","license":"l","version":"1","url":"u","timeout":2},"actions":[{"action":"a","description":"d","input":{},"output":{},"display":"sometimes"}]}""", "display must be one of")]
    [InlineData("not json", "invalid DDL")]
    public void Broken_ddls_fail_with_a_reason(string json, string reason)
    {
        var r = DdlLoader.Parse(Encoding.UTF8.GetBytes(json), "test");
        Assert.False(r.Success);
        Assert.Contains(reason, r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_display_defaults_to_failed_and_directory_loads()
    {
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "a.json"), """{"metadata":{"name":"a","description":"d","author":"a","license":"l","version":"1","url":"u","timeout":2},"actions":[{"action":"x","description":"d","input":{},"output":{}}]}""");
            File.WriteAllText(Path.Combine(dir.FullName, "b.json"), "{");
            var results = DdlLoader.LoadDirectory(dir.FullName);
            Assert.Equal(2, results.Count);
            Assert.Equal("failed", results[0].Ddl!.Actions[0].Display);
            Assert.False(results[1].Success);
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
