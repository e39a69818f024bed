package io.pansaar.testing;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/** Requests to the admin endpoints with the token the test profile configures ({@code %test.pansaar.admin-token}). */
public final class AdminApi {

    /** The admin token of the test profile. */
    public static final String ADMIN_TOKEN = "test-admin-token";

    private AdminApi() {
    }

    /** A JSON request carrying the admin token. */
    public static RequestSpecification admin() {
        return given().contentType(ContentType.JSON).header("Authorization", "Bearer " + ADMIN_TOKEN);
    }
}
