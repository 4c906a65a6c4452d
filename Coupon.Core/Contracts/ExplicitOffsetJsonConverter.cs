using System.Text.Json;
using System.Text.Json.Serialization;

namespace Coupon.Core.Contracts;

// A date-time the api is sent must say its offset ("…Z" or "…+09:00"): without one, the JSON
// reader would take the server's local time zone, and a campaign would open hours off.
public sealed class ExplicitOffsetJsonConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String || !reader.TryGetDateTimeOffset(out var value))
            throw new JsonException("Expected an ISO 8601 date-time with an offset.");
        var text = reader.GetString()!;
        var time = text.IndexOf('T', StringComparison.OrdinalIgnoreCase);
        if (time < 0 || text.AsSpan(time).IndexOfAny("Zz+-") < 0)
            throw new JsonException("A date-time needs an offset, such as 2030-01-01T00:00:00Z.");
        return value;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value);
}
