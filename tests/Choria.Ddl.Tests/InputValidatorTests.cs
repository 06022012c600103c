using System.Text.Json;

namespace Choria.Ddl.Tests;

public class InputValidatorTests
{
    private static JsonElement J(string json) => JsonDocument.Parse(json).RootElement;

    private static InputItem Str(string validation, int max = 100) => new() { Type = "string", Validation = validation, MaxLength = max };

    [Theory]
    [InlineData("integer", "1", null)]
    [InlineData("integer", "1.0", null)]
    [InlineData("integer", "1.5", "1.5 is not an integer")]
    [InlineData("int", "\"1\"", "1 is not an integer")]
    [InlineData("number", "1.5", null)]
    [InlineData("number", "true", "true is not a number")]
    [InlineData("float", "2", null)]
    [InlineData("float", "\"x\"", "x is not a float")]
    [InlineData("boolean", "false", null)]
    [InlineData("boolean", "\"true\"", "true is not a boolean")]
    [InlineData("hash", "{}", null)]
    [InlineData("Hash", "[]", "[] is not a hash")]
    [InlineData("array", "[1]", null)]
    [InlineData("Array", "{}", "{} is not an array")]
    [InlineData("string", "1", "1 is not a string")]
    [InlineData("", "{}", null)]
    [InlineData("bogus", "1", "unsupported input type 'bogus'")]
    public void Types(string type, string value, string? error) =>
        Assert.Equal(error, InputValidator.ValidateInputValue(new InputItem { Type = type }, J(value)));

    [Theory]
    [InlineData("shellsafe", "hello world", null)]
    [InlineData("shellsafe", "a`b", "may not contain '`'")]
    [InlineData("shellsafe", "a$b", "may not contain '$'")]
    [InlineData("shellsafe", "a;b", "may not contain ';'")]
    [InlineData("shellsafe", "a|b", "may not contain '|'")]
    [InlineData("shellsafe", "a&&b", "may not contain '&&'")]
    [InlineData("shellsafe", "a>b", "may not contain '>'")]
    [InlineData("shellsafe", "a<b", "may not contain '<'")]
    [InlineData("ipv4address", "192.168.1.1", null)]
    [InlineData("ipv4address", "::1", "::1 is not an IPv4 address")]
    [InlineData("ipv4address", "1", "1 is not an IPv4 address")]
    [InlineData("ipv6address", "fe80::1", null)]
    [InlineData("ipv6address", "1.2.3.4", "1.2.3.4 is not an IPv6 address")]
    [InlineData("ipaddress", "1.2.3.4", null)]
    [InlineData("ipaddress", "::1", null)]
    [InlineData("ipaddress", "nope", "nope is not an IP address")]
    [InlineData("^\\w+$", "abc", null)]
    [InlineData("^\\w+$", "a b", "input does not match '^\\w+$'")]
    [InlineData("^(", "x", "invalid regex '^('")]
    [InlineData("somevalidator", "anything", null)]
    public void String_validators(string validation, string value, string? error) =>
        Assert.Equal(error, InputValidator.ValidateInputValue(Str(validation), J(JsonSerializer.Serialize(value))));

    [Fact]
    public void Unknown_named_validator_warns()
    {
        var warnings = new List<string>();
        Assert.Null(InputValidator.ValidateString("x", "fancy", warnings.Add));
        Assert.Equal(["Unsupported validator 'fancy'"], warnings);
    }

    [Fact]
    public void Maxlength_counts_bytes_and_zero_skips_validation()
    {
        Assert.Equal("is longer than 3 characters", InputValidator.ValidateInputValue(Str(".", 3), J("\"abcd\"")));
        Assert.Equal("is longer than 3 characters", InputValidator.ValidateInputValue(Str(".", 3), J("\"éé\"")));
        Assert.Null(InputValidator.ValidateInputValue(Str("shellsafe", 0), J("\"a;b\"")));
    }

    [Fact]
    public void List_type()
    {
        var item = new InputItem { Type = "list", List = ["all", "headers"] };
        Assert.Null(InputValidator.ValidateInputValue(item, J("\"all\"")));
        Assert.Equal("should be one of all, headers", InputValidator.ValidateInputValue(item, J("\"x\"")));
        Assert.Equal("input type of list without a valid list of items in DDL", InputValidator.ValidateInputValue(new InputItem { Type = "list" }, J("\"x\"")));
    }

    [Fact]
    public void Request_data_rules()
    {
        var action = DdlLoader.LoadFile(TestPaths.Fixture("server", "ddl", "package.json")).Ddl!.FindAction("install")!;
        Assert.True(InputValidator.ValidateRequestData(action, J("""{"package":"zsh","process_results":true}""")).IsValid);

        var missing = InputValidator.ValidateRequestData(action, J("""{"version":"1"}"""));
        Assert.Equal(InputValidationFailure.MissingInput, missing.Failure);
        Assert.Equal("input 'package' is required", missing.Error);

        var bad = InputValidator.ValidateRequestData(action, J("""{"package":"a;b"}"""));
        Assert.Equal("validation failed for input 'package': may not contain ';'", bad.Error);

        var extra = InputValidator.ValidateRequestData(action, J("""{"package":"zsh","x":1}"""));
        Assert.Equal("request contains an input 'x' that is not declared in the DDL. Valid inputs are: package, version", extra.Error);

        var none = DdlLoader.LoadFile(TestPaths.Fixture("server", "ddl", "package.json")).Ddl!.FindAction("count")!;
        Assert.Equal("request contains inputs while none are declared in the DDL", InputValidator.ValidateRequestData(none, J("""{"x":1}""")).Error);
        Assert.True(InputValidator.ValidateRequestData(none, J("""{"process_results":true}""")).IsValid);
    }

    [Theory]
    [InlineData("integer", "12", "12", null)]
    [InlineData("integer", "x", null, "'x' is not a valid integer")]
    [InlineData("float", "1.5", "1.5", null)]
    [InlineData("boolean", "T", "true", null)]
    [InlineData("boolean", "yes", null, "'yes' is not a valid boolean")]
    [InlineData("hash", "{\"a\":1}", "{\"a\":1}", null)]
    [InlineData("string", "x", "\"x\"", null)]
    public void String_conversion(string type, string value, string? json, string? error)
    {
        var ok = InputValidator.TryConvertString(type, value, out var node, out var err);
        Assert.Equal(error is null, ok);
        Assert.Equal(error, err);
        if (json is not null)
        {
            Assert.Equal(json, node!.ToJsonString());
        }
    }

    [Fact]
    public void Hash_argument_with_a_repeated_key_is_refused_instead_of_throwing_later()
    {
        // JsonObject is built lazily: a repeated key used to throw only when the request was written.
        Assert.False(InputValidator.TryConvertString("hash", """{"a":1,"a":2}""", out _, out var error));
        Assert.StartsWith("'{\"a\":1,\"a\":2}' is not valid JSON: ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "anything")]
    [InlineData("^x", "x")]
    public void Empty_validation_matches_like_an_empty_regular_expression(string validation, string value) =>
        Assert.Null(InputValidator.ValidateString(value, validation));

    [Fact]
    public void Output_defaults_fill_missing_non_null()
    {
        // The modern upstream DDL (not the one we ship: see ReplyKeysTests) has a non-null output default.
        var inventory = DdlLoader.LoadFile(TestPaths.Fixture("server", "ddl", "rpcutil.json")).Ddl!.FindAction("inventory")!;
        var data = new System.Text.Json.Nodes.JsonObject();
        InputValidator.SetOutputDefaults(inventory, data);
        Assert.Equal("""{"upgradable":false}""", data.ToJsonString());
    }
}
