using Coupon.AppHost.Hosting;

var builder = DistributedApplication.CreateBuilder(args);

var redis = builder.AddRedis("redis");
var kafka = builder.AddKafka("kafka");
var coupondb = builder.AddMySql("mysql").AddDatabase("coupondb");

var signingKey = builder.AddTokenSigningKey("jwt-signing-key");
var operatorPassword = builder.AddParameter("admin-operator-password");

var api = builder.AddProject<Projects.Coupon_Api>("api")
    .WithReference(redis).WithReference(kafka).WithReference(coupondb)
    .WaitFor(redis).WaitFor(kafka).WaitFor(coupondb)
    .WithTokenSigning(signingKey)
    .WithExternalHttpEndpoints();

// The api owns the database migrations; the worker drains what the api produced before Kafka stops.
builder.AddProject<Projects.Coupon_Worker>("worker")
    .WithReference(redis).WithReference(kafka).WithReference(coupondb)
    .WaitFor(redis).WaitFor(kafka).WaitFor(coupondb).WaitFor(api)
    .WithShutdownAfter(api);

builder.AddProject<Projects.Coupon_Admin>("admin")
    .WithReference(api).WaitFor(api)
    .WithTokenSigning(signingKey)
    .WithOperatorLogin("operator", operatorPassword)
    .WithExternalHttpEndpoints();

builder.Build().Run();
