package com.amazonaws.services.lambda.runtime;

/** The mobile application that invoked the function. */
public interface Client {
    default String getInstallationId() {
        return null;
    }

    String getAppTitle();

    String getAppVersionName();

    String getAppVersionCode();

    String getAppPackageName();
}
